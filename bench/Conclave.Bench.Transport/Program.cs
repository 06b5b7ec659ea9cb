using BenchmarkDotNet.Running;

namespace Conclave.Bench.Transport;

/// <summary>Transport micro-benchmarks (docs/benchmarks.md): <c>dotnet run -c Release --project bench/Conclave.Bench.Transport -- --filter '*'</c>.</summary>
public static class Program
{
    public static void Main(string[] args) => BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
}
