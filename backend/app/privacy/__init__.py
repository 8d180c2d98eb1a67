"""A customer's personal data: finding it by phone or e-mail, exporting it and erasing it
(complaints keep their statistics), and the admin routes /api/privacy."""
