using System.Diagnostics;
using System.Globalization;

namespace Portal.Benchmarks.Scenarios;

/// <summary>Times an async operation repeatedly and reports the median and 95th percentile (2 noisy cores: compare ratios).</summary>
public static class Measure
{
    public static async Task<Timing> TimeAsync(string name, Func<Task> operation, int warmups = 3, int runs = 25)
    {
        for (var i = 0; i < warmups; i++)
        {
            await operation();
        }

        var samples = new List<double>(runs);
        for (var i = 0; i < runs; i++)
        {
            var watch = Stopwatch.StartNew();
            await operation();
            samples.Add(watch.Elapsed.TotalMilliseconds);
        }

        samples.Sort();
        return new Timing(name, samples[samples.Count / 2], samples[(int)Math.Min(samples.Count - 1, Math.Ceiling(samples.Count * 0.95) - 1)]);
    }

    public static void Report(string title, Timing baseline, params Timing[] others)
    {
        Console.WriteLine();
        Console.WriteLine(title);
        Console.WriteLine($"  {"case",-52} {"median ms",10} {"p95 ms",10} {"ratio",8}");
        foreach (var timing in new[] { baseline }.Concat(others))
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  {timing.Name,-52} {timing.MedianMs,10:0.000} {timing.P95Ms,10:0.000} {timing.MedianMs / baseline.MedianMs,8:0.00}"));
        }
    }
}

public sealed record Timing(string Name, double MedianMs, double P95Ms);
