"""The complaint policies as configuration profiles (contract/policies/*.yml): their schema and
loading, intake checks and deadlines, the national working-day calendars, agents' working hours,
and the routes /api/policies."""
