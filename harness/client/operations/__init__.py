"""Engine API operations, one mixin per resource, one method per operation id."""
