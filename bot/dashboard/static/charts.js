// Draws every <canvas data-chart> from the JSON block it names, once the Thai font is loaded
// (a chart drawn before the font arrives keeps fallback glyphs: canvas text is not re-laid).
(function () {
  'use strict';
  var FONT = 'Sarabun';
  var COLOURS = ['#06C755', '#1E88E5', '#F57C00', '#8E24AA', '#E53935', '#00897B', '#3949AB',
                 '#6D4C41', '#546E7A', '#C0CA33'];

  function draw(canvas) {
    var source = document.getElementById(canvas.dataset.source);
    if (!source) return;
    var data = JSON.parse(source.textContent);
    var kind = canvas.dataset.chart === 'doughnut' ? 'doughnut' : 'bar';
    var colours = data.labels.map(function (_, i) { return COLOURS[i % COLOURS.length]; });
    var chart = new window.Chart(canvas, {
      type: kind,
      data: {
        labels: data.labels,
        datasets: [{ label: data.label, data: data.values,
                     backgroundColor: kind === 'doughnut' ? colours : COLOURS[1] }]
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        indexAxis: kind === 'bar' && data.labels.length > 4 ? 'y' : 'x',
        plugins: { legend: { display: kind === 'doughnut', position: 'bottom' } },
        scales: kind === 'doughnut' ? {} : { x: { beginAtZero: true, ticks: { precision: 0 } },
                                             y: { beginAtZero: true, ticks: { precision: 0 } } }
      }
    });
    canvas.dataset.drawn = 'true';
    return chart;
  }

  function start() {
    if (!window.Chart) return;
    window.Chart.defaults.font.family = FONT + ', sans-serif';
    window.Chart.defaults.font.size = 14;
    var canvases = document.querySelectorAll('canvas[data-chart]');
    var fonts = document.fonts ? Promise.all([
      document.fonts.load('14px ' + FONT, 'ครัวเรือน'),
      document.fonts.load('bold 14px ' + FONT, 'ครัวเรือน')]) : Promise.resolve();
    fonts.catch(function () { return null; }).then(function () {
      canvases.forEach(draw);
      document.body.dataset.chartsDrawn = String(canvases.length);
    });
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
