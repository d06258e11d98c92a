using System.Text.Json.Serialization;
using EventBus.Sqlite.DeadLetters;
using EventBus.Sqlite.Sagas;

namespace EventBus.Sqlite.Serialization;

/// <summary>Source-generated metadata for the documents the SQLite stores write (not for user payloads or saga
/// state, which go through <see cref="EventStoreOptions.JsonSerializerOptions"/>). Enums are written by name, so a
/// stored document does not depend on the order of enum members.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    UseStringEnumConverter = true)]
[JsonSerializable(typeof(StoredEnvelope))]
[JsonSerializable(typeof(DeadLetterDocument))]
[JsonSerializable(typeof(SagaDocument))]
[JsonSerializable(typeof(StoredSagaTimeout))]
internal sealed partial class SqliteJsonContext : JsonSerializerContext;
