"""Emails to the user: what a snipe did, and when their eBay link needs renewing.

`messages` renders (pure), `postmark` sends (postmarker, off the event loop), `notifier` decides
whether and to whom. Senders reach the notification function through `sniper.dispatch`.
"""
