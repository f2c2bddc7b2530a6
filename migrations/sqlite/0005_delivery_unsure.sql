-- A message whose last attempt may have reached Slack without the outcome being recorded (the
-- sender died holding its lease, or Slack did not answer in time): before it is sent again the
-- sender looks for it in the conversation's history (its delivery id is in the message's
-- metadata). Cleared once a look finds nothing and a clean failure follows.
alter table delivery add column unsure integer not null default 0 check (unsure in (0, 1));
