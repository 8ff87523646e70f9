"""What the bot shows: message texts and keyboards as pure functions (no I/O), per feature,
plus the button codecs (``buttons``) and the one table of problem messages (``problems``)."""
