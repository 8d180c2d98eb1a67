"""Readers of single fields in what customers type (staff member, names, codes, the complaint
itself): pure functions over text and resource files, no Rasa imports, each rule testable alone.
actions/interpret.py decides which of them a message is read with."""
