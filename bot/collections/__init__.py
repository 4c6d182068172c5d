"""Collections in chats: which collections a chat searches, and the commands that choose them."""
