-- Sample data for the lab: one published project and one draft, a few tasks
-- and task runs, and helping material for both. Ids are explicit so tests can
-- name rows: helping material 1, 2, 4, 6, 7 belong to the published project;
-- 3 and 5 to the draft, interleaved so that a filter on published shows.
BEGIN;

INSERT INTO project (id, created, name, short_name, description, long_description,
                     published, featured, info) VALUES
    (1, '2018-03-01 09:00:00', 'Sample Project', 'sample', 'Classify the sample images',
     'A published project: its helping material is public.', true, true,
     '{"task_presenter": "<div>sample</div>"}'),
    (2, '2018-03-02 09:00:00', 'Draft Project', 'draft', 'Not published yet',
     'An unpublished project: the API must not list its helping material.', false, false,
     '{}');
ALTER SEQUENCE project_id_seq RESTART WITH 3;

INSERT INTO task (id, created, project_id, state, n_answers, info) VALUES
    (1, '2018-03-03 10:00:00', 1, 'ongoing', 3, '{"image": "https://example.org/1.jpg"}'),
    (2, '2018-03-03 10:00:01', 1, 'ongoing', 3, '{"image": "https://example.org/2.jpg"}'),
    (3, '2018-03-03 10:00:02', 1, 'completed', 1, '{"image": "https://example.org/3.jpg"}'),
    (4, '2018-03-04 10:00:00', 2, 'ongoing', 3, '{"question": "draft?"}');
ALTER SEQUENCE task_id_seq RESTART WITH 5;

INSERT INTO task_run (id, created, project_id, task_id, user_ip, finish_time, info) VALUES
    (1, '2018-03-05 11:00:00', 1, 1, '10.0.0.1', '2018-03-05 11:00:30', '{"answer": "cat"}'),
    (2, '2018-03-05 11:01:00', 1, 1, '10.0.0.2', '2018-03-05 11:01:20', '{"answer": "dog"}'),
    (3, '2018-03-05 11:02:00', 1, 3, '10.0.0.3', '2018-03-05 11:02:10', '{"answer": "cat"}');
ALTER SEQUENCE task_run_id_seq RESTART WITH 4;

INSERT INTO helpingmaterial (id, created, project_id, info, media_url) VALUES
    (1, '2018-04-01 08:00:00.123456', 1, '{"title": "How to classify"}', NULL),
    (2, '2018-04-01 08:05:00', 1, '{"title": "Cat or dog?", "text": "Look at the ears"}',
     'https://example.org/media/ears.png'),
    (3, '2018-04-01 08:10:00', 2, '{"title": "Draft help"}', NULL),
    (4, '2018-04-02 08:00:00', 1, '{"title": "Tricky cases", "quote": "say \"meow\""}', NULL),
    (5, '2018-04-02 08:05:00', 2, '{}', 'https://example.org/media/draft.png'),
    (6, '2018-04-03 08:00:00', 1, '{"title": "FAQ"}', NULL),
    (7, '2018-04-03 09:00:00', 1, '{}', 'https://example.org/media/video.mp4');
ALTER SEQUENCE helpingmaterial_id_seq RESTART WITH 8;

COMMIT;
