using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace Portal.Data;

/// <summary>Every DateTime is stored and read back as UTC (SQLite keeps no kind).</summary>
public sealed class UtcDateTimeConverter() : ValueConverter<DateTime, DateTime>(
    v => v.Kind == DateTimeKind.Utc ? v : v.ToUniversalTime(),
    v => DateTime.SpecifyKind(v, DateTimeKind.Utc));
