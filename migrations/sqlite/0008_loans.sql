-- Capacity loans: when the scheduler next looks at an open loan (its due day's first working
-- moment, then weekly while it is overdue). Null once the loan is settled or for plain trades.
alter table trade add column remind_at text;
create index trade_by_remind_at on trade (remind_at);
