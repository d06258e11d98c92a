namespace EventBus.PostgreSql.Storage;

/// <summary>One forward step of the schema, applied once, in version order, inside the migration transaction.</summary>
/// <param name="Version">The schema version the step produces; versions increase by one.</param>
/// <param name="Description">What the step adds, recorded in the schema version table.</param>
/// <param name="Sql">The DDL to run, with <c>{schema}</c> standing for the quoted schema name (no values).</param>
internal sealed record SchemaMigration(int Version, string Description, string Sql);
