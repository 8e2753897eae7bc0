"""Small learned text models of the article signals (clickbait, subjectivity, propaganda)."""
