"""Files customers send in a conversation and scans agents add: the rows, the store on disk
under ATTACHMENTS_DIR, and the routes /api/attachments (upload, download)."""
