"""Input channels: the REST channel with a fallback reply, and the WeChat Official Account."""
