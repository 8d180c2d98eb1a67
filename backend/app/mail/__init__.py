"""The e-mail channel's backend half: the mailbox reader, letters in and out, their threads."""
