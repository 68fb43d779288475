"""Tests of the web front: plain HTTP tests and Playwright browser tests."""
