-- A resident changing their name or unit after signing up (/profile): which answer the next
-- typed message is for.
ALTER TABLE residents ADD COLUMN editing TEXT CHECK (editing IN ('name', 'unit'));
