// Loads the ApexCharts UMD build once and hands chart objects back to .NET.
let loading;

function loadApexCharts() {
  if (globalThis.ApexCharts) return Promise.resolve(globalThis.ApexCharts);
  loading ??= new Promise((resolve, reject) => {
    const script = document.createElement("script");
    script.src = new URL("../apexcharts/apexcharts.min.js", import.meta.url).href;
    script.onload = () => resolve(globalThis.ApexCharts);
    script.onerror = () => reject(new Error("apexcharts failed to load"));
    document.head.appendChild(script);
  });
  return loading;
}

function withClickHandler(options, dotnet) {
  if (!dotnet) return options;
  options.chart = options.chart ?? {};
  options.chart.events = options.chart.events ?? {};
  const report = (index) => { if (index >= 0) dotnet.invokeMethodAsync("OnPointSelectedAsync", index); };
  options.chart.events.dataPointSelection = (_e, _ctx, cfg) => report(cfg.dataPointIndex);
  options.chart.events.legendClick = (_ctx, seriesIndex) => { report(seriesIndex); return false; };
  return options;
}

export async function render(element, options, dotnet) {
  const ApexCharts = await loadApexCharts();
  const chart = new ApexCharts(element, withClickHandler(options, dotnet));
  await chart.render();
  return {
    update: (next) => chart.updateOptions(withClickHandler(next, dotnet), true, false),
    destroy: () => chart.destroy(),
  };
}
