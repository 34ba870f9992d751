"""Emails to the user: what a snipe did, and when their eBay link needs renewing.

`messages` renders (pure), `postmark` sends (postmarker, off the event loop), `notifier` decides
whether and to whom, `dispatch` hands events to the notification function (Lambda async invoke).
"""
