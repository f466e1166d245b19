namespace Portal.ApiKeys;

public sealed class ApiKeyOptions
{
    public const string Section = "ApiKeys";

    /// <summary>How long the old secret keeps working after a rotation, so clients can be redeployed without downtime.</summary>
    public TimeSpan RotationGracePeriod { get; set; } = TimeSpan.FromHours(24);

    /// <summary>Last-use times are written at most this often per key, so requests do not each cost a database write.</summary>
    public TimeSpan LastUseWriteInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// How long a looked-up key stays in the in-process cache. Revoking and rotating evict it at once; this bounds
    /// how late other changes (the org being closed, another app instance revoking) reach authentication.
    /// </summary>
    public TimeSpan CacheDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Reads made while assuming an org are audited once per key and org in this window (writes always are).</summary>
    public TimeSpan AssumeAuditWindow { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>Development only: the secret of the demo super org's key, so the README's examples work after `dotnet run`.</summary>
    public string? DemoSecret { get; set; }
}
