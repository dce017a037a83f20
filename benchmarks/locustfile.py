"""The load mix for `make load`: what people do on the site, in rough proportion.

Home page, guides, the self-check walked step by step with POSTs (random answers), searches near real
postcodes and suburbs with and without a topic, service pages found through those searches, and the
HSDS open-data API when it is there. Only ever pointed at 127.0.0.1 (benchmarks/load.py).
"""

from __future__ import annotations

import random
import re

from locust import HttpUser, between, task

from benchmarks.forms import first_form

PLACES = ["3000", "2000", "4000", "5000", "6000", "7000", "0800", "2600", "2170", "3175", "4350", "2640",
          "Parramatta", "Geelong", "Ballarat", "Townsville", "Cairns", "Bendigo", "Wollongong", "Launceston"]  # fmt: skip
TOPICS = ["", "", "anger", "men's program", "counselling", "court", "drugs and alcohol", "phone line"]
SERVICE_LINK = re.compile(r'href="/services/([\w-]+)/"')
GUIDE_LINK = re.compile(r'href="(/guides/[\w-]+/)"')


class Visitor(HttpUser):
    wait_time = between(0.5, 2)
    service_slugs: set[str] = set()
    guides: list[str] = []
    api: str | None = None

    def on_start(self):
        # Look things up once for all users (gevent runs them in one thread, so a flag is enough),
        # not fifty times at once.
        if Visitor.api is not None:
            return
        Visitor.api = ""
        Visitor.guides = sorted(set(GUIDE_LINK.findall(self.client.get("/guides/").text))) or ["/guides/"]
        for path in ("/api/hsds/services", "/api/hsds/services/"):
            if self.client.get(path, name="/api/hsds/services (probe)").status_code == 200:
                Visitor.api = path
                break

    @task(5)
    def home(self):
        self.client.get("/")

    @task(3)
    def guide(self):
        self.client.get(random.choice(Visitor.guides or ["/guides/"]), name="/guides/[slug]/")

    @task(4)
    def search(self):
        params = {"near": random.choice(PLACES)}
        topic = random.choice(TOPICS)
        if topic:
            params["q"] = topic
        response = self.client.get("/services/", params=params, name="/services/?near=[place]&q=[topic]")
        Visitor.service_slugs.update(SERVICE_LINK.findall(response.text))

    @task(3)
    def service_page(self):
        if not Visitor.service_slugs:
            return self.search()
        slug = random.choice(sorted(Visitor.service_slugs))
        self.client.get(f"/services/{slug}/", name="/services/[slug]/")

    @task(2)
    def selfcheck(self):
        """Walk the self-check to its result, answering at random, as one visitor would."""
        page = self.client.get("/check/")
        start = first_form(page.text)
        if start is None or start.method != "post":
            return
        walk = start.action or "/check/"
        for _ in range(20):
            form = first_form(page.text)
            if form is None or form.method != "post" or (form.action or "/check/") != walk:
                return  # the result: its forms (plan, feedback) are not part of the walk
            data = dict(form.hidden)
            for name, options in form.choices.items():
                if options:
                    data[name] = random.choice([o for o in options if o] or options)
            for name, options in form.checkboxes.items():
                if random.random() < 0.3:
                    data[name] = random.choice(options)
            forward = [button for button in form.buttons if button[1] != "back"]
            if forward and forward[0][0]:
                data[forward[0][0]] = forward[0][1]
            page = self.client.post(walk, data=data, name="/check/answers/ (POST step)")

    @task(2)
    def open_data(self):
        if Visitor.api:
            self.client.get(
                Visitor.api, params={"page": random.randint(1, 20)}, name="/api/hsds/services?page=N"
            )
