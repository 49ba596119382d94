"""What the records give back: the lessons as CSV (export, import), and the reports."""
