"""What the page shows of fits: charts, the chart board, key numbers, code export, column hints and tables."""
