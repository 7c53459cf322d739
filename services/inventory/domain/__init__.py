"""Inventory's rules, free of any framework: the catalogue's products (``catalogue``), a
store's stock of one product with its moving-average value and its reorder alerts
(``stock``), and what a service's recipe takes from stock (``recipes``)."""
