-- The subset of PyBossa 2.7's schema the stand-in and the upgrade drills use,
-- at alembic revision 52209719b79e (the head of 2.7.1 and 2.7.2). Tables and
-- columns keep PyBossa's names; users, categories and the rest are left out,
-- so project has no owner_id/category_id and task_run.user_id has no foreign
-- key. Column types follow the lab brief (created is a timestamp here; real
-- PyBossa stores an ISO text).
BEGIN;

CREATE TABLE project (
    id serial PRIMARY KEY,
    created timestamp without time zone NOT NULL DEFAULT (now() AT TIME ZONE 'utc'),
    updated timestamp without time zone NOT NULL DEFAULT (now() AT TIME ZONE 'utc'),
    name varchar(255) NOT NULL UNIQUE,
    short_name varchar(255) NOT NULL UNIQUE,
    description varchar(255) NOT NULL,
    long_description text,
    webhook text,
    allow_anonymous_contributors boolean DEFAULT true,
    published boolean NOT NULL DEFAULT false,
    featured boolean NOT NULL DEFAULT false,
    secret_key text,
    info json DEFAULT '{}'
);

CREATE TABLE task (
    id serial PRIMARY KEY,
    created timestamp without time zone DEFAULT (now() AT TIME ZONE 'utc'),
    project_id integer NOT NULL REFERENCES project (id) ON DELETE CASCADE,
    state text DEFAULT 'ongoing',
    quorum integer DEFAULT 0,
    calibration integer DEFAULT 0,
    priority_0 double precision DEFAULT 0,
    info json DEFAULT '{}',
    n_answers integer DEFAULT 30
);
CREATE INDEX task_project_id_idx ON task (project_id);

CREATE TABLE task_run (
    id serial PRIMARY KEY,
    created timestamp without time zone DEFAULT (now() AT TIME ZONE 'utc'),
    project_id integer NOT NULL REFERENCES project (id),
    task_id integer NOT NULL REFERENCES task (id) ON DELETE CASCADE,
    user_id integer,
    user_ip text,
    finish_time timestamp without time zone DEFAULT (now() AT TIME ZONE 'utc'),
    timeout integer,
    calibration integer,
    external_uid text,
    info json DEFAULT '{}'
);
CREATE INDEX task_run_task_id_idx ON task_run (task_id);

CREATE TABLE helpingmaterial (
    id serial PRIMARY KEY,
    created timestamp without time zone DEFAULT (now() AT TIME ZONE 'utc'),
    project_id integer NOT NULL REFERENCES project (id) ON DELETE CASCADE,
    info json DEFAULT '{}',
    media_url text
);

CREATE TABLE alembic_version (
    version_num varchar(32) NOT NULL,
    CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)
);
INSERT INTO alembic_version (version_num) VALUES ('52209719b79e');

COMMIT;
