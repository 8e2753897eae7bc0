"""Wire evidence on demand: for each article, search the coverage of its event in its date
window (GDELT, NYT, the index kept warm by feeds), within a time budget and the sources' rate
limits, and add what is found to the index so the next article about the event needs no
search."""
