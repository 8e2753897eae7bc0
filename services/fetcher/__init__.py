"""The fetcher service: turns a public URL, or a page the caller already holds, into an
Article (text, title, byline, dates, links, citations, page signals) without letting a
hostile page or URL reach anything it should not."""
