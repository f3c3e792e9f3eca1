-- +goose Up
-- The admin's lists of accounts and classes are paginated in the order
-- they show (issue #14): with these indexes, a page reads its own rows,
-- not the whole académie sorted. The fr collation is the store's (it is
-- registered on every connection the program opens).
CREATE INDEX users_name ON users (last_name COLLATE fr, first_name COLLATE fr);
CREATE INDEX users_role_name ON users (role, last_name COLLATE fr, first_name COLLATE fr);
CREATE INDEX classes_list ON classes (archived, school_year DESC, name COLLATE fr);

-- +goose Down
DROP INDEX users_name;
DROP INDEX users_role_name;
DROP INDEX classes_list;
