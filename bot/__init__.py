"""晋才助手 / Shanxi Talent Assistant: channels, CLI, web front and custom NLU components."""
