"""Read-side queries for the dashboards. Every function takes the user's Scope."""
