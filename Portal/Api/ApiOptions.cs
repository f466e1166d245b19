namespace Portal.Api;

public sealed class ApiOptions
{
    public const string Section = "Api";

    /// <summary>API requests carry small JSON documents; anything larger is refused with 413 before it is read.</summary>
    public long MaxRequestBodyBytes { get; set; } = 1024 * 1024;

    /// <summary>Sustained requests per minute per API key (or per client address without a valid key); also the burst size.</summary>
    public int RateLimitPerMinute { get; set; } = 600;

    /// <summary>
    /// Answers the gateway's well-formed decision requests ahead of the general pipeline (same answers, a fraction of the
    /// cost). Off: every decision request takes the general path.
    /// </summary>
    public bool DecisionFastPath { get; set; } = true;
}
