"""The agents' console: the page at /agent (web/agent/) and its real-time feed at
/api/console/ws."""
