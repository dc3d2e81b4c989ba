"""Server-rendered pages for reps and leads: sign in, calls, review, customers, dashboard, admin."""
