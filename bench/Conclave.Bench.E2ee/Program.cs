using BenchmarkDotNet.Running;

namespace Conclave.Bench.E2ee;

/// <summary>End-to-end encryption micro-benchmarks (docs/benchmarks.md): <c>dotnet run -c Release --project bench/Conclave.Bench.E2ee -- --filter '*'</c>.</summary>
public static class Program
{
    public static void Main(string[] args) => BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
}
