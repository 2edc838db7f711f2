"""Calendar feeds: which events go in which feed (selection), read from the database (source), published as
precomputed bytes (publish), and opened to private subscribers by token (tokens). The iCalendar format itself is
council.feeds.ical's business; the settings are council.feeds.config's."""
