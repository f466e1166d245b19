namespace Portal.Billing;

public sealed class BillingOptions
{
    public const string Section = "Billing";

    public string Currency { get; set; } = "EUR";

    /// <summary>Price of one credit per activity key; activities not listed use <see cref="DefaultUnitPrice"/>.</summary>
    public Dictionary<string, decimal> UnitPrices { get; set; } = [];

    public decimal DefaultUnitPrice { get; set; } = 0.002m;

    /// <summary>Percentages of a spend limit at which an alert is recorded (and sent).</summary>
    public int[] AlertThresholds { get; set; } = [80, 100];

    public decimal PriceOf(string activity) => UnitPrices.TryGetValue(activity, out var price) ? price : DefaultUnitPrice;
}
