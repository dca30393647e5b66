"""Thin views: parse the request, ask the policy or a service, render a GOV.UK page. One module
per part of the process."""
