"""Complaints: the tables (complaint, its history), the data functions, what happens when a
complaint is registered, changes status, is answered by the customer or delayed (flows, which
plan its notifications), the API shapes, and the routes under /api/complaints and
/api/status-lookup."""
