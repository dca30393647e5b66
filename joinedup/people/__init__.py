"""Children, their families and carers, where they have lived; and the practitioners who work with them."""
