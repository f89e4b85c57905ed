"""Scheduling pages: upcoming meetings, the meeting page with its agenda editor, the readiness
board, the user's invitations and calendar feed; a board's decision-support settings. One module
per concept, routed by scheduling/urls.py.

Access: clinical staff only (403 for patients and users without a role); a board, meeting or case
the user is not a member of is a 404. Members read; the board's coordinators and chair change
meetings, agendas, invitations and attendance (403 for others, checked here before the form is
read and again by each service); an invitation is answered by the invitee. Every change goes
through `scheduling.services`; a refusal comes back on the form it concerns (400), a clash with
someone else's change as a message over the current state (409). The calendar feed
(`calendars.calendar_feed`) is the one page without a login: its secret URL is the credential.
"""
