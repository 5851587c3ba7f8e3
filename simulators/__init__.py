"""Local stand-ins for AWS Partner Central and HubSpot.

They exist so tests and the embedded run mode never need the internet, and
they reject what the real services reject: a permissive fake is worse than
none.
"""
