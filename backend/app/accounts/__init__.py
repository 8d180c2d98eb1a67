"""Agents' own accounts (agent, supervisor, admin) and their login tokens: the tables, the data
functions, who is calling (the bearer-token dependencies every feature's routes use), and the
routes /api/agents and /api/auth."""
