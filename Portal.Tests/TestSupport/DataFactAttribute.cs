using Xunit.Abstractions;
using Xunit.Sdk;

namespace Portal.Tests.TestSupport;

/// <summary>
/// A test that touches the database: it runs once per configured provider (SQLite always, PostgreSQL when
/// <see cref="TestDatabase.PostgresVariable"/> is set), each run named with its provider and carrying the trait
/// Database=Sqlite|Postgres (so `dotnet test --filter Database=Postgres` picks one side).
/// </summary>
[XunitTestCaseDiscoverer("Portal.Tests.TestSupport.DataFactDiscoverer", "Portal.Tests")]
[AttributeUsage(AttributeTargets.Method)]
public sealed class DataFactAttribute : FactAttribute;

/// <summary>A <see cref="DataFactAttribute"/> with data rows: each row runs once per configured provider.</summary>
[XunitTestCaseDiscoverer("Portal.Tests.TestSupport.DataTheoryDiscoverer", "Portal.Tests")]
[AttributeUsage(AttributeTargets.Method)]
public sealed class DataTheoryAttribute : TheoryAttribute;

/// <summary>A test that only makes sense on PostgreSQL (LISTEN/NOTIFY...): skipped when it is not configured.</summary>
public sealed class PostgresFactAttribute : FactAttribute
{
    public PostgresFactAttribute()
    {
        if (TestDatabase.PostgresServer is null)
        {
            Skip = $"PostgreSQL is not configured ({TestDatabase.PostgresVariable}).";
        }
    }
}

public sealed class DataFactDiscoverer(IMessageSink diagnosticMessageSink) : IXunitTestCaseDiscoverer
{
    public IEnumerable<IXunitTestCase> Discover(ITestFrameworkDiscoveryOptions discoveryOptions, ITestMethod testMethod, IAttributeInfo factAttribute) =>
        TestDatabase.ConfiguredProviders.Select(provider => new DatabaseTestCase(
            diagnosticMessageSink, discoveryOptions.MethodDisplayOrDefault(), discoveryOptions.MethodDisplayOptionsOrDefault(), testMethod, provider));
}

public sealed class DataTheoryDiscoverer(IMessageSink diagnosticMessageSink) : TheoryDiscoverer(diagnosticMessageSink)
{
    protected override IEnumerable<IXunitTestCase> CreateTestCasesForDataRow(
        ITestFrameworkDiscoveryOptions discoveryOptions, ITestMethod testMethod, IAttributeInfo theoryAttribute, object[] dataRow) =>
        TestDatabase.ConfiguredProviders.Select(provider => new DatabaseTestCase(
            DiagnosticMessageSink, discoveryOptions.MethodDisplayOrDefault(), discoveryOptions.MethodDisplayOptionsOrDefault(), testMethod, provider, dataRow));
}

/// <summary>One run of a data test on one provider.</summary>
public sealed class DatabaseTestCase : XunitTestCase
{
    private TestProvider provider;

    [Obsolete("Called by the de-serializer; should only be called by deriving classes for de-serialization purposes")]
    public DatabaseTestCase()
    {
    }

    public DatabaseTestCase(IMessageSink diagnosticMessageSink, TestMethodDisplay defaultMethodDisplay, TestMethodDisplayOptions defaultMethodDisplayOptions,
        ITestMethod testMethod, TestProvider provider, object[]? testMethodArguments = null)
        : base(diagnosticMessageSink, defaultMethodDisplay, defaultMethodDisplayOptions, testMethod, testMethodArguments)
    {
        this.provider = provider;
    }

    protected override void Initialize()
    {
        base.Initialize();
        DisplayName = $"{DisplayName} [{provider}]";
        Traits["Database"] = [provider.ToString()];
    }

    protected override string GetUniqueID() => base.GetUniqueID() + "-" + provider;

    // Async, so the provider flows into the test (its constructor included) and no further.
    public override async Task<RunSummary> RunAsync(IMessageSink diagnosticMessageSink, IMessageBus messageBus, object[] constructorArguments,
        ExceptionAggregator aggregator, CancellationTokenSource cancellationTokenSource)
    {
        TestDatabase.Use(provider);
        return await base.RunAsync(diagnosticMessageSink, messageBus, constructorArguments, aggregator, cancellationTokenSource);
    }

    public override void Serialize(IXunitSerializationInfo data)
    {
        data.AddValue("Provider", provider.ToString());
        base.Serialize(data);
    }

    public override void Deserialize(IXunitSerializationInfo data)
    {
        provider = Enum.Parse<TestProvider>(data.GetValue<string>("Provider"));
        base.Deserialize(data);
    }
}
