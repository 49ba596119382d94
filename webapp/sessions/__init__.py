"""The tutor's workspace: session lists, detail, forms and inline marking."""
