using System.Text.RegularExpressions;

namespace EventBus.PostgreSql.Storage;

/// <summary>The versioned schema: the tables, indexes and the append function that make an EventBus schema, and the
/// forward migrations between versions. Every applied step is recorded in the <c>schema_version</c> table.</summary>
internal static partial class PostgreSqlSchema
{
    /// <summary>The outcome of an append that was written (with its new version and last position).</summary>
    public const int Appended = 0;

    /// <summary>The outcome of an append whose first event id is stored: a retry (one row per event).</summary>
    public const int AlreadyStored = 1;

    /// <summary>The outcome of an append whose stream is not at the expected version (with the actual version).</summary>
    public const int VersionConflict = 2;

    /// <summary>The outcome of an append to a deleted stream.</summary>
    public const int StreamDeleted = 3;

    /// <summary>The unique constraint that keeps event ids unique across the store.</summary>
    public const string EventIdConstraint = "events_event_id_key";

    // Rows of "events" are never deleted (truncation empties the payloads of pruned events, deletion only tombstones
    // the stream), so max(position) never goes down and a position is never given to two committed events.
    //
    // The global order. Positions are drawn as max(position) + 1 while the append holds a transaction-level advisory
    // lock, taken after the expected-version check and held until commit or rollback. PostgreSQL makes a committed
    // transaction visible to new snapshots before it releases its locks, so the next append draws its positions only
    // after the previous one is visible: positions are in commit order, and a reader that sees position P sees every
    // position below P. That keeps the promise of GetHeadPositionAsync (everything at or below the head is visible,
    // nothing appears below it later) with a plain bigint position, at the price of one append committing at a time.
    // The alternative (a xid8 transaction id read below pg_snapshot_xmin) lets appends commit in parallel but orders
    // and checkpoints by (tx_id, position), which changes the position contract of every backend; see README.
    //
    // Appends to one stream queue on that stream's row lock first, so expected-version conflicts are found (and
    // idempotent retries answered) without ever taking the global lock or drawing a position.
    private const string V1 = """
        CREATE TABLE {schema}.streams (
            stream_key bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            stream_id text NOT NULL,
            version bigint NOT NULL,
            first_version bigint NOT NULL DEFAULT 1,
            deleted boolean NOT NULL DEFAULT false,
            CONSTRAINT streams_stream_id_key UNIQUE (stream_id)
        );
        CREATE TABLE {schema}.events (
            position bigint NOT NULL PRIMARY KEY,
            stream_key bigint NOT NULL REFERENCES {schema}.streams (stream_key),
            stream_version bigint NOT NULL,
            event_id text NOT NULL,
            event_type text NOT NULL,
            data_version text NOT NULL,
            data bytea NOT NULL,
            metadata bytea NOT NULL,
            recorded_ticks bigint NOT NULL,
            CONSTRAINT events_stream_version_key UNIQUE (stream_key, stream_version),
            CONSTRAINT events_event_id_key UNIQUE (event_id)
        );
        CREATE TABLE {schema}.snapshots (
            stream_id text NOT NULL PRIMARY KEY,
            stream_version bigint NOT NULL,
            schema_version integer NOT NULL,
            data bytea NOT NULL,
            created_ticks bigint NOT NULL
        );
        CREATE TABLE {schema}.checkpoints (
            name text NOT NULL PRIMARY KEY,
            position bigint NOT NULL
        );
        CREATE FUNCTION {schema}.append_events(
            p_stream_id text, p_expected bigint, p_event_ids text[], p_event_types text[], p_data_versions text[],
            p_data bytea[], p_metadata bytea[], p_recorded_ticks bigint)
        RETURNS TABLE (o_outcome integer, o_stream_id text, o_version bigint, o_position bigint)
        LANGUAGE plpgsql AS $fn$
        DECLARE
            v_key bigint;
            v_version bigint;
            v_deleted boolean;
            v_position bigint;
            v_count integer := cardinality(p_event_ids);
        BEGIN
            -- An idempotent retry: the first id is stored, so answer with where the batch's ids are (outcome 1).
            IF EXISTS (SELECT 1 FROM {schema}.events e WHERE e.event_id = p_event_ids[1]) THEN
                RETURN QUERY
                    SELECT 1, s.stream_id, e.stream_version, e.position
                    FROM unnest(p_event_ids) WITH ORDINALITY AS b(id, n)
                    LEFT JOIN {schema}.events e ON e.event_id = b.id
                    LEFT JOIN {schema}.streams s ON s.stream_key = e.stream_key
                    ORDER BY b.n;
                RETURN;
            END IF;

            -- Lock the stream's row (creating it): appends to one stream wait here, not on the global lock.
            INSERT INTO {schema}.streams (stream_id, version) VALUES (p_stream_id, 0) ON CONFLICT (stream_id) DO NOTHING;
            SELECT s.stream_key, s.version, s.deleted INTO v_key, v_version, v_deleted
            FROM {schema}.streams s WHERE s.stream_id = p_stream_id FOR UPDATE;

            -- Waiting for the row may have let an identical retry commit: look again (each statement sees the latest commits).
            IF EXISTS (SELECT 1 FROM {schema}.events e WHERE e.event_id = p_event_ids[1]) THEN
                RETURN QUERY
                    SELECT 1, s.stream_id, e.stream_version, e.position
                    FROM unnest(p_event_ids) WITH ORDINALITY AS b(id, n)
                    LEFT JOIN {schema}.events e ON e.event_id = b.id
                    LEFT JOIN {schema}.streams s ON s.stream_key = e.stream_key
                    ORDER BY b.n;
                RETURN;
            END IF;

            IF v_deleted THEN
                RAISE EXCEPTION USING ERRCODE = 'EB410', MESSAGE = 'stream deleted';
            END IF;

            -- Expected version: -1 any, -2 no stream, -3 stream exists, otherwise the exact version. Checked before
            -- any position is drawn; raising rolls back the stream row this call may have created.
            IF NOT (p_expected = -1
                    OR (p_expected = -2 AND v_version = 0)
                    OR (p_expected = -3 AND v_version > 0)
                    OR p_expected = v_version) THEN
                RAISE EXCEPTION USING ERRCODE = 'EB409', MESSAGE = v_version::text;
            END IF;

            -- The global order: one append draws positions at a time, until it commits (see the comment in the code).
            PERFORM pg_advisory_xact_lock((x'45420000'::bigint << 32) | '{schema}.events'::regclass::oid::bigint);
            SELECT COALESCE(max(e.position), 0) INTO v_position FROM {schema}.events e;

            INSERT INTO {schema}.events (position, stream_key, stream_version, event_id, event_type, data_version, data, metadata, recorded_ticks)
            SELECT v_position + b.n, v_key, v_version + b.n, b.id, b.t, b.dv, b.d, b.m, p_recorded_ticks
            FROM unnest(p_event_ids, p_event_types, p_data_versions, p_data, p_metadata) WITH ORDINALITY AS b(id, t, dv, d, m, n);

            UPDATE {schema}.streams SET version = v_version + v_count WHERE stream_key = v_key;
            RETURN QUERY SELECT 0, p_stream_id, v_version + v_count, v_position + v_count;
        END
        $fn$;
        """;

    // Rows keep their insertion order in an identity column: dead letters tie on first failure time in that order,
    // sagas are listed in creation order, the inbox forgets its oldest ids first.
    private const string V2 = """
        CREATE TABLE {schema}.dead_letters (
            seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            id text NOT NULL,
            subscription_name text NOT NULL,
            reason text NOT NULL,
            exception_type text,
            event_type text NOT NULL,
            correlation_id text,
            first_failure_ticks bigint NOT NULL,
            last_failure_ticks bigint NOT NULL,
            entry bytea NOT NULL,
            CONSTRAINT dead_letters_id_key UNIQUE (id)
        );
        CREATE INDEX dead_letters_by_first_failure ON {schema}.dead_letters (first_failure_ticks, seq);
        CREATE INDEX dead_letters_by_subscription ON {schema}.dead_letters (subscription_name);
        CREATE TABLE {schema}.inbox (
            seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            subscription_name text NOT NULL,
            event_id text NOT NULL,
            added_ticks bigint NOT NULL,
            CONSTRAINT inbox_subscription_event_key UNIQUE (subscription_name, event_id)
        );
        CREATE INDEX inbox_by_order ON {schema}.inbox (subscription_name, seq);
        CREATE INDEX inbox_by_time ON {schema}.inbox (subscription_name, added_ticks);
        CREATE TABLE {schema}.sagas (
            seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            saga_name text NOT NULL,
            correlation_key text NOT NULL,
            version bigint NOT NULL,
            status text NOT NULL,
            state bytea NOT NULL,
            instance bytea NOT NULL,
            CONSTRAINT sagas_name_key UNIQUE (saga_name, correlation_key)
        );
        """;

    // Pending saga timeouts as claimable work, beside the instance documents that list them (the record): a save
    // writes both in one statement. A completed row stays while its instance still lists the timeout, so a later save
    // cannot make it claimable again. Existing timeouts are copied from the documents.
    private const string V3 = """
        CREATE TABLE {schema}.saga_timeouts (
            saga_name text NOT NULL,
            correlation_key text NOT NULL,
            timeout_id text NOT NULL,
            due_ticks bigint NOT NULL,
            claimed_by text,
            claimed_until_ticks bigint,
            completed boolean NOT NULL DEFAULT false,
            timeout bytea NOT NULL,
            CONSTRAINT saga_timeouts_pkey PRIMARY KEY (saga_name, correlation_key, timeout_id)
        );
        CREATE INDEX saga_timeouts_by_due ON {schema}.saga_timeouts (saga_name, due_ticks) WHERE NOT completed;
        INSERT INTO {schema}.saga_timeouts (saga_name, correlation_key, timeout_id, due_ticks, timeout)
        SELECT s.saga_name, s.correlation_key, t.value ->> 'id',
               round(extract(epoch FROM (t.value ->> 'dueTime')::timestamptz) * 1000000)::bigint * 10 + 621355968000000000,
               convert_to(t.value::text, 'UTF8')
        FROM {schema}.sagas AS s, jsonb_array_elements(convert_from(s.instance, 'UTF8')::jsonb -> 'timeouts') AS t(value)
        ON CONFLICT DO NOTHING;
        """;

    // Processor leases (the outbox, each background projection): one row per processor. The holder and the fencing
    // token change together when the lease changes hands, expiry is on the database clock, and a fenced checkpoint
    // save locks the row it checks, so a takeover waits for a save in flight and then refuses the old holder's next one.
    private const string V4 = """
        CREATE TABLE {schema}.processor_leases (
            name text NOT NULL PRIMARY KEY,
            holder text,
            fencing_token bigint NOT NULL,
            expires_at timestamptz NOT NULL
        );
        """;

    // Group commit: one call appends the batches of several concurrent appends (in arrays, each event tagged with the
    // index of its append) in one transaction, so they share one advisory lock, one position draw and one WAL flush.
    // Each append gets its own outcome row(s) instead of an error, so one append's conflict, deleted stream or
    // idempotent retry does not fail the others: 0 appended (version and last position), 1 a retry of a stored batch
    // (one row per event: where it is stored, nulls when not), 2 expected version not met (the actual version),
    // 3 stream deleted. An error (an id stored by another batch, anything unexpected) rolls the whole call back; the
    // store then sends each append of the group alone.
    //
    // Everything that needs no global order happens before the advisory lock: the idempotency look-up, the stream row
    // (locked in stream-id order, so two groups never deadlock on each other's rows), the version check and the
    // stream's new version. Under the lock only max(position) and the insert remain. The foreign key from events to
    // streams goes: it was checked per row inside the lock (3-7 us a row), and the append function already holds the
    // stream row, which is never deleted (deletion is a tombstone flag).
    private const string V5 = """
        ALTER TABLE {schema}.events DROP CONSTRAINT IF EXISTS events_stream_key_fkey;
        DROP FUNCTION {schema}.append_events(text, bigint, text[], text[], text[], bytea[], bytea[], bigint);
        CREATE FUNCTION {schema}.append_events(
            p_stream_ids text[], p_expected bigint[], p_counts integer[], p_appends integer[],
            p_event_ids text[], p_event_types text[], p_data_versions text[], p_data bytea[], p_metadata bytea[],
            p_recorded_ticks bigint)
        RETURNS TABLE (o_append integer, o_outcome integer, o_stream_id text, o_version bigint, o_position bigint)
        LANGUAGE plpgsql AS $fn$
        DECLARE
            v_count integer := cardinality(p_stream_ids);
            v_first integer[] := array_fill(0, ARRAY[v_count]);
            v_keys bigint[] := array_fill(NULL::bigint, ARRAY[v_count]);
            v_from bigint[] := array_fill(NULL::bigint, ARRAY[v_count]);
            v_offset bigint[] := array_fill(NULL::bigint, ARRAY[v_count]);
            v_i integer;
            v_next integer := 1;
            v_key bigint;
            v_version bigint;
            v_deleted boolean;
            v_created boolean;
            v_stored boolean;
            v_drawn bigint := 0;
            v_position bigint;
        BEGIN
            FOR v_i IN 1 .. v_count LOOP
                v_first[v_i] := v_next;
                v_next := v_next + p_counts[v_i];
            END LOOP;

            FOR v_i IN SELECT a.n::integer FROM unnest(p_stream_ids) WITH ORDINALITY AS a(id, n) ORDER BY a.id COLLATE "C", a.n LOOP
                -- An idempotent retry (the first id is stored) answers before the stream's row lock; otherwise lock
                -- the row (creating it): appends to one stream wait there, not on the global lock. Waiting for the
                -- row may have let an identical retry commit, so look again.
                v_stored := EXISTS (SELECT 1 FROM {schema}.events e WHERE e.event_id = p_event_ids[v_first[v_i]]);
                IF NOT v_stored THEN
                    INSERT INTO {schema}.streams (stream_id, version) VALUES (p_stream_ids[v_i], 0) ON CONFLICT (stream_id) DO NOTHING;
                    v_created := FOUND;
                    SELECT s.stream_key, s.version, s.deleted INTO v_key, v_version, v_deleted
                    FROM {schema}.streams s WHERE s.stream_id = p_stream_ids[v_i] FOR UPDATE;
                    v_stored := EXISTS (SELECT 1 FROM {schema}.events e WHERE e.event_id = p_event_ids[v_first[v_i]]);
                END IF;

                -- A retry: answer with where the batch's ids are.
                IF v_stored THEN
                    RETURN QUERY
                        SELECT v_i, 1, s.stream_id, e.stream_version, e.position
                        FROM unnest(p_event_ids[v_first[v_i] : v_first[v_i] + p_counts[v_i] - 1]) WITH ORDINALITY AS b(id, n)
                        LEFT JOIN {schema}.events e ON e.event_id = b.id
                        LEFT JOIN {schema}.streams s ON s.stream_key = e.stream_key
                        ORDER BY b.n;
                    CONTINUE;
                END IF;

                IF v_deleted THEN
                    RETURN QUERY SELECT v_i, 3, p_stream_ids[v_i], v_version, NULL::bigint;
                    CONTINUE;
                END IF;

                -- Expected version: -1 any, -2 no stream, -3 stream exists, otherwise the exact version. Checked
                -- before any position is drawn; a row this call created for a refused append goes again.
                IF NOT (p_expected[v_i] = -1
                        OR (p_expected[v_i] = -2 AND v_version = 0)
                        OR (p_expected[v_i] = -3 AND v_version > 0)
                        OR p_expected[v_i] = v_version) THEN
                    IF v_created THEN
                        DELETE FROM {schema}.streams WHERE stream_key = v_key;
                    END IF;
                    RETURN QUERY SELECT v_i, 2, p_stream_ids[v_i], v_version, NULL::bigint;
                    CONTINUE;
                END IF;

                UPDATE {schema}.streams SET version = v_version + p_counts[v_i] WHERE stream_key = v_key;
                v_keys[v_i] := v_key;
                v_from[v_i] := v_version;
            END LOOP;

            -- Positions follow the order of the appends in the call.
            FOR v_i IN 1 .. v_count LOOP
                IF v_keys[v_i] IS NOT NULL THEN
                    v_offset[v_i] := v_drawn;
                    v_drawn := v_drawn + p_counts[v_i];
                END IF;
            END LOOP;

            IF v_drawn = 0 THEN
                RETURN;
            END IF;

            -- The global order: one call draws positions at a time, until it commits (see V1).
            PERFORM pg_advisory_xact_lock((x'45420000'::bigint << 32) | '{schema}.events'::regclass::oid::bigint);
            SELECT COALESCE(max(e.position), 0) INTO v_position FROM {schema}.events e;

            INSERT INTO {schema}.events (position, stream_key, stream_version, event_id, event_type, data_version, data, metadata, recorded_ticks)
            SELECT v_position + v_offset[b.a] + b.n - v_first[b.a] + 1, v_keys[b.a], v_from[b.a] + b.n - v_first[b.a] + 1,
                   b.id, b.t, b.dv, b.d, b.m, p_recorded_ticks
            FROM unnest(p_appends, p_event_ids, p_event_types, p_data_versions, p_data, p_metadata) WITH ORDINALITY AS b(a, id, t, dv, d, m, n)
            WHERE v_keys[b.a] IS NOT NULL;

            RETURN QUERY
                SELECT a.i, 0, p_stream_ids[a.i], v_from[a.i] + p_counts[a.i], v_position + v_offset[a.i] + p_counts[a.i]
                FROM generate_subscripts(p_stream_ids, 1) AS a(i)
                WHERE v_keys[a.i] IS NOT NULL;
        END
        $fn$;
        """;

    public static IReadOnlyList<SchemaMigration> Migrations { get; } =
    [
        new(1, "event store, append function, snapshots and checkpoints", V1),
        new(2, "dead letters, idempotency inbox and saga instances", V2),
        new(3, "saga timeouts as claimable work", V3),
        new(4, "processor leases", V4),
        new(5, "group commit: several appends per call, with an outcome each", V5),
    ];

    /// <summary>Returns whether <paramref name="schema"/> is a name this package accepts (it is quoted anyway).</summary>
    public static bool IsValidSchemaName(string? schema) =>
        schema is { Length: > 0 and <= PostgreSqlConstants.MaxIdentifierLength } && SchemaName().IsMatch(schema);

    /// <summary>Quotes a validated schema name as an SQL identifier.</summary>
    public static string Quote(string schema) => "\"" + schema.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]*$", RegexOptions.CultureInvariant)]
    private static partial Regex SchemaName();
}
