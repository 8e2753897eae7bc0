"""The report's signals, one module each; every signal is a plain function that returns a
`credence.v1.Signal` with its sub-score, confidence, availability, reasons and evidence."""
