"""What arrived since a chat last looked: the /new command, its time words and its reply."""
