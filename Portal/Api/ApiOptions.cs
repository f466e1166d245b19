namespace Portal.Api;

public sealed class ApiOptions
{
    public const string Section = "Api";

    /// <summary>API requests carry small JSON documents; anything larger is refused with 413 before it is read.</summary>
    public long MaxRequestBodyBytes { get; set; } = 1024 * 1024;

    /// <summary>Sustained requests per minute per API key (or per client address without a valid key); also the burst size.</summary>
    public int RateLimitPerMinute { get; set; } = 600;
}
