"""Platform-neutral core: commands, dialogue state and the reply model every adapter renders."""
