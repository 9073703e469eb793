{# The PDF's cover (mkdocs-print-site-plugin renders it with the build's config). #}
<div class="nb-cover">
  <h1>{{ config.site_name }}</h1>
  <p class="nb-cover__subtitle">{{ config.site_description }}</p>
  <p class="nb-cover__edition">Version {{ config.extra.book_version }}, built {{ config.extra.build_date }}</p>
  <p class="nb-cover__online">The book online, with its interactive widgets, notebooks and
    offline copy: <a href="{{ config.site_url }}">{{ config.site_url }}</a></p>
  <p class="nb-cover__license">{{ config.copyright }} Released under the MIT license.</p>
</div>
