"""`mentorbot demo`: the real bot with no LINE channel, and a local page that plays LINE.

setup.py   the demo database (SQLite in the instance folder) and the sample data
server.py  one WSGI server: the bot, the chat page, and the stand-in Messaging API under /_line
views.py   the page's blueprint and JSON API (registered on the demo app only, never in production)
"""
