from printing.models import PrintItem
from shop.models import Order


def print_items_register(*, order_id: int) -> list[PrintItem]:
    """Take over the physical lines of a paid order (idempotent). Rendering the print files
    is the printing issue's work; until then items wait as 'pending'."""
    order = Order.objects.get(pk=order_id)
    items = []
    for line in order.lines.filter(is_shippable=True):
        item, _created = PrintItem.objects.get_or_create(order_line=line)
        items.append(item)
    return items
